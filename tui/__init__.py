"""Forward Lab's terminal app (Textual). Never imports torch at import time: grading goes through grader.api."""
