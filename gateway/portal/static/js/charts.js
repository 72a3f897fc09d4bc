// ECharts, as npm installed it beside the gateway (never from a CDN: the wall
// display of an office may have no way out). Loaded once, on the first page that
// draws a chart.
let loading = null;

export function echarts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/static/echarts/echarts.min.js";
    script.onload = () => resolve(window.echarts);
    script.onerror = () => {
      loading = null;
      reject(new Error("图表组件未安装：请运行 make setup 安装（npm 的 echarts）"));
    };
    document.head.append(script);
  });
  return loading;
}

// The colours of the portal's lights, on a dark wall.
export const LIGHT = { green: "#43a047", yellow: "#f2b233", red: "#e53935" };
