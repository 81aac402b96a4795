// VS Code (extension unifiedjs.vscode-remark) and `npx remark guides` check each
// guide's front matter against the schema that `doorstep schema` writes.
import remarkFrontmatter from "remark-frontmatter";
import remarkLintFrontmatterSchema from "remark-lint-frontmatter-schema";

export default {
  plugins: [
    remarkFrontmatter,
    [remarkLintFrontmatterSchema, {
      schemas: {
        "./schemas/guide.schema.json": ["./guides/*/index.md"],
        "./schemas/translation.schema.json": ["./guides/*/index.*.md"],
      },
    }],
  ],
};
