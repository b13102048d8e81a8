// `swrun build` (docs/design.md, "build").
