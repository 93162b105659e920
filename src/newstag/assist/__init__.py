"""What helps annotators: pre-annotations, the annotation queue, likely label errors."""
