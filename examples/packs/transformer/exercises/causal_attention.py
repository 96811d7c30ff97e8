"""CausalSelfAttention: multi-head self-attention where no position sees the future.

Task: for x of shape [B, T, E], compute q, k and v with ONE call of self.qkv (an nn.Linear(E, 3E):
split its output into three [B, T, E] parts, in that order), split each into num_heads heads of
head_dim = E // num_heads features ([B, num_heads, T, head_dim]), take the scores
q @ k.transpose(-2, -1) / sqrt(head_dim), set the scores of every key after its query to -inf,
softmax over the keys, take the weighted sum of v, merge the heads back to [B, T, E], and return
self.proj of it. F.scaled_dot_product_attention and nn.MultiheadAttention are forbidden here.

Check it with:  grader check causal_attention
"""

import torch
from torch import nn


class CausalSelfAttention(nn.Module):
    def __init__(self, embed_dim: int, num_heads: int):
        super().__init__()
        assert embed_dim % num_heads == 0, "embed_dim must be divisible by num_heads"
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, T, E] -> [B, T, E]; position t attends to positions 0..t only."""
        raise NotImplementedError("write forward: fused qkv, heads, causal mask, softmax, merge, proj")
