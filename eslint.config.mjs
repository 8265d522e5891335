// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "sdks/tencentcloud/bin/**",
      "sdks/**",
      "policies/node_modules/**",
      "policies/bin/**",
      "out/**",
      "bin/**",
      "coverage/**",
      "scratch/**",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ["eslint.config.mjs", "bin/*.js"],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  {
    // fleet/ is the pure model: it must never depend on Pulumi.
    files: ["fleet/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@pulumi/*"], message: "fleet/ is pure: no Pulumi imports" },
            {
              group: ["../components/*", "../cli/*", "../policies/*"],
              message: "fleet/ imports nothing above it",
            },
          ],
        },
      ],
    },
  },
  {
    // The rules serve the CrossGuard pack too: they may use the model, never the CLI or components.
    files: ["policies/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/cli/**", "**/components/**"], message: "policies/ imports only fleet/" },
          ],
        },
      ],
    },
  },
  {
    files: ["eslint.config.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
