// The Dockerfile language as BuildKit's dockerfile frontend reads it (docs/design.md, "build").
