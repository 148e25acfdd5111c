"""French and Arabic: the platform's languages declared once with the one fallback rule
(languages.py), the interface language of a request and the content language of a page
(locale.py), and locale-aware formatting (formatting.py)."""
