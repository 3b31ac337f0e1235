import { parseAllDocuments } from 'yaml';
import { ValidationError } from '../errors.js';

/**
 * Parses YAML or JSON text (JSON is YAML) into plain objects, one per document.
 * Syntax errors become a `ValidationError` naming the line and column.
 */
export function parseDocuments(text: string, source = '(input)'): unknown[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const issues = list.flatMap((doc) =>
    doc.errors.map((e) => ({
      path: `${source}:${e.linePos?.[0]?.line ?? '?'}:${e.linePos?.[0]?.col ?? '?'}`,
      message: `not valid YAML or JSON: ${e.message.split('\n')[0]}`,
    })),
  );
  if (issues.length > 0) throw new ValidationError(issues);
  return list.map((doc) => doc.toJS({ maxAliasCount: 100 })).filter((d) => d !== null && d !== undefined);
}

/**
 * Picks the one document of the given kinds from a multi-document file.
 * @throws ValidationError when there is none, or more than one.
 */
export function pickDocument(docs: unknown[], kinds: readonly string[], source = '(input)'): Record<string, unknown> {
  const matching = docs.filter(
    (d): d is Record<string, unknown> => typeof d === 'object' && d !== null && kinds.includes(String((d as Record<string, unknown>).kind)),
  );
  if (matching.length === 1) return matching[0]!;
  if (matching.length === 0 && docs.length === 1 && typeof docs[0] === 'object' && docs[0] !== null) {
    return docs[0] as Record<string, unknown>;
  }
  const kindsSeen = docs.map((d) => (typeof d === 'object' && d ? (d as Record<string, unknown>).kind : typeof d));
  throw new ValidationError([
    {
      path: `${source}: kind`,
      message:
        matching.length === 0
          ? `no document of kind ${kinds.join(' or ')} (found kinds: ${kindsSeen.map(String).join(', ') || 'none'})`
          : `${matching.length} documents of kind ${kinds.join(' or ')}; give one per file`,
    },
  ]);
}
