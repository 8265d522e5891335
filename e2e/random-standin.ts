/**
 * A stand-in for the random provider's `random:index/randomPassword:RandomPassword`, served as
 * the plugin `pulumi-resource-random` for the e2e tier's real `pulumi up`s only.
 *
 * The Go module proxy refuses `github.com/pulumi/pulumi-random/provider/v4@v4.21.2` here (see
 * `e2e/tools.ts`), and the home TARS stack of a fleet without an infra stack holds the framework
 * database's passwords (`components/tars-database-instance.ts`). This serves that one resource
 * type with the SDK's own provider server (`@pulumi/pulumi/provider`, `main`): `length`,
 * `overrideSpecial` (else `!@#$%&*()-_=+[]{}<>:?`) and the `min*` counts of its inputs are
 * honoured, the password is made with `node:crypto`, and it is kept until an input changes.
 * Only `result` is output besides the inputs: the program reads nothing else.
 */
import { randomInt } from "node:crypto";
import * as provider from "@pulumi/pulumi/provider";

const PASSWORD = "random:index/randomPassword:RandomPassword";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";

interface PasswordInputs {
  readonly length?: number;
  readonly special?: boolean;
  readonly overrideSpecial?: string;
  readonly minUpper?: number;
  readonly minLower?: number;
  readonly minNumeric?: number;
  readonly minSpecial?: number;
}

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)] ?? "";
}

/** A password of `length` characters with at least the `min*` of each kind, shuffled. */
export function password(inputs: PasswordInputs): string {
  const special =
    inputs.special === false ? "" : (inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?");
  const chars: string[] = [];
  const want: [string, number][] = [
    [UPPER, inputs.minUpper ?? 0],
    [LOWER, inputs.minLower ?? 0],
    [DIGITS, inputs.minNumeric ?? 0],
    [special, special === "" ? 0 : (inputs.minSpecial ?? 0)],
  ];
  for (const [alphabet, count] of want) for (let i = 0; i < count; i++) chars.push(pick(alphabet));
  const all = UPPER + LOWER + DIGITS + special;
  while (chars.length < (inputs.length ?? 16)) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? "", chars[i] ?? ""];
  }
  return chars.join("");
}

/** The resource's own type: the URN's type is its parents' types and its own, joined by `$`. */
function typeOf(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const standin: provider.Provider = {
  version: "4.21.2",
  check: (urn, _olds, news: Record<string, unknown>) => {
    if (typeOf(urn) !== PASSWORD)
      return Promise.resolve({
        failures: [{ property: "", reason: `the e2e stand-in serves only ${PASSWORD}` }],
      });
    return Promise.resolve({ inputs: news });
  },
  diff: (_id, _urn, olds: Record<string, unknown>, news: Record<string, unknown>) => {
    const oldInputs = Object.fromEntries(Object.entries(olds).filter(([key]) => key !== "result"));
    const changed = !same(oldInputs, news);
    return Promise.resolve({
      changes: changed,
      replaces: changed ? Object.keys(news) : [],
      deleteBeforeReplace: false,
    });
  },
  create: (urn, inputs: PasswordInputs) =>
    Promise.resolve({
      id: urn.split("::").pop() ?? "password",
      outs: { ...inputs, result: password(inputs) },
    }),
  read: (id, _urn, props: Record<string, unknown> | undefined) =>
    Promise.resolve({ id, props: props ?? {} }),
  delete: () => Promise.resolve(),
};

provider.main(standin, process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `random stand-in: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
