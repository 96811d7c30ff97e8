"""exercise11: TwoTowerNet — two inputs, two towers, a dict output (seed 002, step 3)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import CaseSpec, Config, Exercise, Inputs, Mistake, probe

FEATURES = 8


class TwoTowerReference(nn.Module):
    """The reference: the learner's attributes, with the forward the task describes."""

    def __init__(self) -> None:
        super().__init__()
        self.image_tower = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                         nn.Flatten(), nn.Linear(8, 16))
        self.feature_tower = nn.Sequential(nn.Linear(FEATURES, 16), nn.ReLU())
        self.classifier = nn.Linear(32, 4)

    def forward(self, image: torch.Tensor, features: torch.Tensor) -> dict[str, torch.Tensor]:
        embedding = torch.cat([self.image_tower(image), self.feature_tower(features)], dim=1)
        return {"embedding": embedding, "logits": self.classifier(embedding)}


def _image(s: dict, image: torch.Tensor) -> torch.Tensor:
    h = F.relu(F.conv2d(image, s["image_tower.0.weight"], s["image_tower.0.bias"], padding=1))
    return F.linear(h.mean(dim=(2, 3)), s["image_tower.4.weight"], s["image_tower.4.bias"])


def _features(s: dict, features: torch.Tensor) -> torch.Tensor:
    return F.relu(F.linear(features, s["feature_tower.0.weight"], s["feature_tower.0.bias"]))


def _classify(s: dict, embedding: torch.Tensor) -> torch.Tensor:
    return F.linear(embedding, s["classifier.weight"], s["classifier.bias"])


def _out(s: dict, embedding: torch.Tensor, for_logits: torch.Tensor | None = None, post=lambda t: t) -> dict:
    """The output dict, with logits from `for_logits` (default: the embedding) and `post` applied to them."""
    return {"embedding": embedding, "logits": post(_classify(s, embedding if for_logits is None else for_logits))}


class TwoTowerNetSpec(Exercise):
    id = "exercise11"
    class_name = "TwoTowerNet"
    forward_args = ("image", "features")
    expected_calls = {"image_tower": (1,), "feature_tower": (1,), "classifier": (1,)}

    def reference(self, config: Config) -> nn.Module:
        return TwoTowerReference()

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        height, width = variant.get("size", (12, 12))
        return Inputs((probe(gen, batch, 1, height, width), probe(gen, batch, FEATURES)))

    def value_cases(self) -> list[CaseSpec]:
        # the image tower pools adaptively: any image size gives 16 image features
        return [CaseSpec("values/default", stages=True),
                CaseSpec("values/28x28", variant={"size": (28, 28)}, stages=True),
                CaseSpec("values/9x20", variant={"size": (9, 20)}, stages=True)]

    def mistakes(self) -> list[Mistake]:
        def both(s, image, features):
            return _image(s, image), _features(s, features)

        def swapped(s, c, image, features):
            img, feat = both(s, image, features)
            return _out(s, torch.cat([feat, img], dim=1))

        def image_only(s, c, image, features):
            img, feat = both(s, image, features)
            return _out(s, torch.cat([img, feat], dim=1), torch.cat([img, torch.zeros_like(feat)], dim=1))

        def features_only(s, c, image, features):
            img, feat = both(s, image, features)
            return _out(s, torch.cat([img, feat], dim=1), torch.cat([torch.zeros_like(img), feat], dim=1))

        def softmax(s, c, image, features):
            return _out(s, torch.cat(both(s, image, features), dim=1), post=lambda t: t.softmax(dim=1))

        return [
            Mistake("your embedding has the two towers in the wrong order: the image tower's 16 features come first, "
                    "torch.cat([image_tower(image), feature_tower(features)], dim=1)", swapped),
            Mistake("your logits use only the image tower: compute them from the whole embedding, "
                    "classifier(embedding), with both towers' features", image_only),
            Mistake("your logits use only the feature tower: compute them from the whole embedding, "
                    "classifier(embedding), with both towers' features", features_only),
            Mistake("your logits are softmax(logits): return the classifier's raw output (the loss applies softmax)",
                    softmax),
        ]


EXERCISE = TwoTowerNetSpec()
