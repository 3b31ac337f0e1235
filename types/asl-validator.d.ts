declare module 'asl-validator' {
  interface AslValidationResult {
    isValid: boolean;
    errors: { 'Error code'?: string; Message?: string; [k: string]: unknown }[];
    errorsText(separator?: string): string;
  }
  /** Validates an Amazon States Language definition. Mutates its input: pass a copy. */
  export default function validator(definition: unknown, options?: Record<string, unknown>): AslValidationResult;
}
