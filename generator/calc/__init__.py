"""Calculator package (placeholder; derive() lands in step 4)."""
