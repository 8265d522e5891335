#!/usr/bin/env node
// tarsfed is written in TypeScript and runs through tsx, which is a dependency: no build step.
"use strict";
require("tsx/cjs");
const { main } = require("../cli/main.ts");
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
