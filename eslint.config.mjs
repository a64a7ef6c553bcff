// ESLint flat config: Next's core-web-vitals and TypeScript rules, plus the layout's one-way
// dependency rule (the simulators are never imported by the app).
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: ["tmp/**", ".next/**", "node_modules/**", "lib/db/generated/**", ".data/**", "next-env.d.ts", "test-results/**", "playwright-report/**"],
  },
  {
    files: ["app/**", "lib/**", "components/**"],
    // Tests may start the simulators; shipped code may not import them.
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/sim/*", "**/sim/*"], message: "sim/ holds local stand-ins for AWS and the IdP; app code reaches them only through configuration." }] },
      ],
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
];

export default config;
