// Compiles the SDK after install, as the SDK that `pulumi package add` generates does.
"use strict";
const { execFileSync } = require("child_process");
const path = require("path");

const root = path.join(__dirname, "..");
const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
execFileSync(process.execPath, [tsc, "-p", root], { stdio: "inherit" });
