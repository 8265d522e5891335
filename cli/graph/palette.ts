/**
 * Colours of the topology picture, by role, so a reader learns them once from the legend.
 */

/** Fill, border and text colours, `#RRGGBB`. */
export const Palette = {
  ink: "#263238",
  muted: "#607D8B",
  regionFill: "#F5F7FA",
  regionBorder: "#90A4AE",
  homeFill: "#FFF8E1",
  homeBorder: "#C9A227",
  homeText: "#8D6E00",
  clusterFill: "#FFFFFF",
  clusterBorder: "#1E88E5",
  poolsFill: "#FAFAFA",
  poolsBorder: "#B0BEC5",
  vpcFill: "#E3F2FD",
  linkFill: "#FFFFFF",
  frameworkFill: "#FFE082",
  setFill: "#C8E6C9",
  setBorder: "#2E7D32",
  warmFill: "#F1F8E9",
  failedFill: "#FFB74D",
  failedBorder: "#E65100",
  awayFill: "#FFF3E0",
  cvmFill: "#E1D5F0",
  cvmBorder: "#6A4C93",
  ccn: "#1565C0",
  standby: "#78909C",
  warm: "#00897B",
  failback: "#E65100",
  grWarning: "#B71C1C",
} as const;
