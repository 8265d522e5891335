/**
 * The legend of the topology picture: what each colour and line means.
 */
import { escapeHtml } from "./dot-syntax";
import { Palette } from "./palette";

function swatchRow(fill: string, text: string): string {
  return `<TR><TD BGCOLOR="${fill}" WIDTH="28"> </TD><TD ALIGN="LEFT">${escapeHtml(text)}</TD></TR>`;
}

function lineRow(color: string, mark: string, text: string): string {
  return `<TR><TD><FONT COLOR="${color}"><B>${mark}</B></FONT></TD><TD ALIGN="LEFT">${escapeHtml(text)}</TD></TR>`;
}

/** The legend as a DOT subgraph: one table node, set apart in its own box. */
export function legendBlock(): string[] {
  const rows = [
    swatchRow(Palette.setFill, "Set running here now"),
    swatchRow(Palette.failedFill, "Set failed over: runs in its standby cluster"),
    swatchRow(Palette.awayFill, "home cluster of a failed-over Set"),
    swatchRow(Palette.warmFill, "warm copy: 1 pod per server, no traffic"),
    swatchRow(Palette.cvmFill, "CVM pool running tarsnode"),
    swatchRow(
      Palette.frameworkFill,
      "TARS framework (home region) and each region's base services",
    ),
    lineRow(Palette.ccn, "━━━", "CCN link between VPCs"),
    lineRow(Palette.standby, "- - -", "standby: where the Set fails over to"),
    lineRow(Palette.warm, "- - -", "warm standby"),
    lineRow(Palette.failback, "- - -", "failed over: back to its home cluster"),
  ];
  return [
    `subgraph "cluster_legend" {`,
    `  label=<<B>legend</B>>; style="rounded"; color="${Palette.regionBorder}";`,
    `  "legend" [shape="plaintext", style="", label=<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="2">${rows.join("")}</TABLE>>];`,
    "}",
  ];
}
