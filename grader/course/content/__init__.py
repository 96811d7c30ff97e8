"""Forward Lab's learning content: schema (pydantic models), loader and `grader content check`.

See API.md in this package for the models' fields. Importing this package loads pydantic and yaml,
not torch.
"""

from grader.course.content.loader import (
                                   ENV_VAR,
                                   ContentError,
                                   Course,
                                   Problem,
                                   check_content,
                                   content_dirs,
                                   default_content_dir,
                                   load_course,
                                   load_exercise_meta,
                                   pack_course,
                                   read_document,
)
from grader.course.content.schema import (
                                   Choice,
                                   CodeBlock,
                                   ExerciseMeta,
                                   Lesson,
                                   Limits,
                                   Myth,
                                   Option,
                                   PipelineStage,
                                   Pitfall,
                                   Predict,
                                   Question,
                                   Quiz,
                                   Section,
                                   Snippet,
                                   Spotter,
                                   TrainingEpoch,
                                   json_schema,
                                   write_json_schema,
)

__all__ = [
    "ENV_VAR", "Choice", "CodeBlock", "ContentError", "Course", "ExerciseMeta", "Lesson", "Limits", "Myth", "Option",
    "PipelineStage", "Pitfall", "Predict", "Problem", "Question", "Quiz", "Section", "Snippet", "Spotter",
    "TrainingEpoch", "check_content", "content_dirs", "default_content_dir", "json_schema", "load_course",
    "load_exercise_meta", "pack_course", "read_document", "write_json_schema",
]
