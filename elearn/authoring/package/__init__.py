"""Course packages (folder or .zip of YAML and Markdown): read safely, validate, import, export.

The format is the contract in ``shared/spec/course-package.md``; ``docs/course-format.md``
explains it to authors.
"""
