"""The material library: films, discussion guides, documents, how-to pages and links."""
