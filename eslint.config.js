import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "data/**", "weights/**", "bench/results/**", "bench/data/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: "Use Effect's Random service so that tests can seed it."
        }
      ]
    }
  },
  {
    files: ["bin/**/*.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" }
  },
  {
    // CommonJS: the code-cache loader runs before any ES module machinery.
    files: ["**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", exports: "writable", module: "writable", Buffer: "readonly" }
    },
    rules: { "@typescript-eslint/no-require-imports": "off" }
  }
)
