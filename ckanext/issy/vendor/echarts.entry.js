/* The parts of Apache ECharts the portal's charts use (views/chart/assets/
   chart.js), bundled by `make vendor` (devstack/vendor.py, esbuild) into
   echarts/echarts.min.js as the global `echarts`: about half the size of the
   full build, which a phone must parse before it can draw. A chart type or
   component chart.js starts to use is added here, then `make vendor`. */
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart, ScatterChart, TreemapChart } from "echarts/charts";
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { LabelLayout } from "echarts/features";
import { SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart, LineChart, PieChart, ScatterChart, TreemapChart,
  AriaComponent, GridComponent, LegendComponent, TooltipComponent,
  LabelLayout, SVGRenderer
]);

export const { init, getInstanceByDom, version } = echarts;
