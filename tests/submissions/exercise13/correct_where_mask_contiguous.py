# expect: pass
import math

import torch
import torch.nn.functional as F
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads

    def forward(self, x, key_padding_mask=None):
        B, T, _ = x.shape
        heads = lambda t: t.view(B, T, self.num_heads, -1).transpose(1, 2)  # noqa: E731
        q, k, v = heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x))
        scores = torch.matmul(q, k.transpose(2, 3)) / (self.head_dim ** 0.5)
        if key_padding_mask is not None:
            keep = ~key_padding_mask.unsqueeze(1).unsqueeze(2)
            scores = torch.where(keep, scores, torch.tensor(float("-inf"), dtype=scores.dtype))
        out = torch.matmul(torch.softmax(scores, dim=3), v)
        out = out.transpose(1, 2).contiguous().view(B, T, self.num_heads * self.head_dim)
        return self.out_proj(out)
