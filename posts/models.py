"""Post types, posts, applications, assignments and the five-step workflow (coming with the workflow issue)."""
