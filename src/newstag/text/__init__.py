"""Reading articles and splitting them into sentences."""
