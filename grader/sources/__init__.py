"""What a submitted file is before it runs, worked out in the parent as text and syntax trees (the
learner's code never runs here): `notebook` extracts an exercise's class and what it needs from a
notebook's code cells; `same` finds submissions that are the same code (comments, docstrings, local
names and layout aside); `source` ties both to the file the child loads and words its report in the
learner's own places (`In [3], line 2`); `syntax` parses the learner's text so that no text, however
deep, raises here. It may import only the standard library and grader.report.
"""
