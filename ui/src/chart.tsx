import { BarChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'preact/hooks';

// Only the parts used, so that the bundle stays small; SVG so that browser tests can look inside.
echarts.use([
  BarChart,
  LineChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TooltipComponent,
  VisualMapComponent,
  DataZoomComponent,
  SVGRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

/** One ECharts chart; `points` is how many data points it shows (tests read it from data-points). */
export function Chart(props: { option: ChartOption; height?: number; testId: string; points: number; onClick?: (data: unknown) => void }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);
  useEffect(() => {
    chart.current = echarts.init(el.current!, undefined, { renderer: 'svg' });
    const resize = () => chart.current?.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(props.option, { notMerge: true });
  }, [props.option]);
  useEffect(() => {
    const c = chart.current;
    if (!c || !props.onClick) return;
    const handler = (p: { data?: unknown }) => props.onClick?.(p.data);
    c.on('click', handler);
    return () => c.off('click', handler);
  }, [props.onClick]);
  return (
    <div class="chart" ref={el} style={{ height: `${props.height ?? 320}px` }} data-testid={props.testId} data-points={props.points} />
  );
}
