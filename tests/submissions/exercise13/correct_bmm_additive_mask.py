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
        B, T, E = x.shape
        H, D = self.num_heads, self.head_dim

        def split(t):  # [B, T, E] -> [B*H, T, D]
            return t.reshape(B, T, H, D).permute(0, 2, 1, 3).reshape(B * H, T, D)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        scores = torch.bmm(q, k.transpose(1, 2)) * (1.0 / math.sqrt(D))
        if key_padding_mask is not None:
            bias = torch.zeros(B, T, dtype=x.dtype, device=x.device).masked_fill(key_padding_mask, float("-inf"))
            scores = scores + bias.repeat_interleave(H, dim=0).unsqueeze(1)
        out = torch.bmm(scores.softmax(-1), v)  # [B*H, T, D]
        out = out.reshape(B, H, T, D).permute(0, 2, 1, 3).contiguous().view(B, T, E)
        return self.out_proj(out)
