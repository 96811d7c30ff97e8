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
        b, t, e = x.shape
        h, d = self.num_heads, self.head_dim
        q = self.q_proj(x).unflatten(-1, (h, d))  # [b, t, h, d]
        k = self.k_proj(x).unflatten(-1, (h, d))
        v = self.v_proj(x).unflatten(-1, (h, d))
        scores = torch.einsum("bqhd,bkhd->bhqk", q * d ** -0.5, k)
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask.view(b, 1, 1, t), torch.finfo(scores.dtype).min)
        attn = F.softmax(scores, dim=-1)
        out = torch.einsum("bhqk,bkhd->bqhd", attn, v).flatten(2)
        return self.out_proj(out)
