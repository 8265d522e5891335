/**
 * Writes `stacks/fleet.schema.json`, the JSON Schema editors use for fleet files.
 *
 * Generated from the zod schema in `fleet/model/schema.ts`; `test/fleet/schema.test.ts` fails when the
 * checked-in file is stale. Run `npm run schema` after changing the schema.
 */
import * as path from "node:path";
import { fleetJsonSchemaText } from "../fleet/model/schema";
import { writeFileAtomic } from "../cli/files";

const target = path.join(__dirname, "..", "stacks", "fleet.schema.json");
writeFileAtomic(target, fleetJsonSchemaText());
console.error(`wrote ${path.relative(process.cwd(), target)}`);
