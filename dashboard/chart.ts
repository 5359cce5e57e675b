import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import type { Pivot } from "./pivot.ts";

// Chart.js: stacked bars come with it (one dataset per metric code, stacked per period), it draws on
// a canvas the CSP allows, and registering only the bar parts keeps it near 60 KB gzipped.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const PALETTE = ["#2a5bd7", "#e07b39", "#2f9e6e", "#c2417a", "#7a5cd6", "#c9a227", "#3a9fbf", "#8c6d4f", "#d6453d", "#5c7a29"];
// Series whose name says what they are keep the colour that says it too (collections per payment status).
const MEANINGFUL: Record<string, string> = { succeeded: "#2f9e6e", pending: "#c9a227", failed: "#d6453d", Overdue: "#d6453d" };

export type DrawnChart = { labels: string[]; datasets: { label: string; data: number[] }[] };

/** Draws (or redraws) the pivot on the canvas; the canvas keeps the drawn series for inspection. */
export function drawChart(canvas: HTMLCanvasElement, table: Pivot, label: (period: string) => string, format: (value: number) => string) {
  Chart.getChart(canvas)?.destroy();
  const data: DrawnChart = {
    labels: table.periods.map(label),
    datasets: table.series.map((s, i) => ({
      label: s,
      data: table.periods.map((p) => Number(table.value(p, s) ?? "0")),
      backgroundColor: MEANINGFUL[s] ?? PALETTE[i % PALETTE.length],
    })),
  };
  new Chart(canvas, {
    type: "bar",
    data,
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: (v) => format(Number(v)) } } },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${format(Number(item.raw))}` } } },
    },
  });
}

/** What the chart on `canvas` shows: its labels and each series' values. */
export function chartData(canvas: HTMLCanvasElement): DrawnChart | undefined {
  const chart = Chart.getChart(canvas);
  if (!chart) return undefined;
  return {
    labels: chart.data.labels as string[],
    datasets: chart.data.datasets.map((d) => ({ label: String(d.label), data: d.data as number[] })),
  };
}
