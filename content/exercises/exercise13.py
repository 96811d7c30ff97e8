"""Exercise 13 — SelfAttention: multi-head scaled dot-product self-attention, by hand.

Task: x of shape [B, T, E] and an optional key_padding_mask [B, T] of bools (True = that key is
padding: no query may attend to it) -> [B, T, E]:
q, k, v = q_proj(x), k_proj(x), v_proj(x)                      [B, T, E]
split each into num_heads heads                                [B, num_heads, T, head_dim]
scores = q @ k^T / sqrt(head_dim)                              [B, num_heads, T, T]
masked keys get -inf; softmax over the keys (the last dim)
out = weights @ v, heads merged back                           [B, T, E]
return out_proj(out)
F.scaled_dot_product_attention, F.multi_head_attention_forward and nn.MultiheadAttention are
not allowed: write the attention yourself.

Check it with:  grader check exercise13
"""

import torch
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

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, T, E], key_padding_mask: [B, T] bool or None -> [B, T, E]."""
        raise NotImplementedError("write forward: project, split heads, scaled scores, mask, softmax, merge, out_proj")
