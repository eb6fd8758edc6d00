#!/usr/bin/env python3
"""Prints RFC 5649 vectors made by Python `cryptography` for Tests/TrentCryptoTests (cross-check)."""
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

kek = bytes(range(32))
for length in (1, 7, 8, 9, 16, 31, 32, 33, 64, 65):
    plain = bytes((i * 37 + length) & 0xFF for i in range(length))
    print(f'        ({length}, "{aes_key_wrap_with_padding(kek, plain).hex()}"),')
