#!/usr/bin/env python3
"""Check an scsm inclusion proof against a ledger digest, with SHA-256 only.

    verify_proof.py PROOF.json DIGEST.json

PROOF.json is the output of scsm.ledger_proof(tbl, key [, digest]);
DIGEST.json is a digest from scsm.ledger_digest(), kept outside the
database (e.g. the last line of the file tools/anchor_digest.sh writes).
A file may hold several JSON values, one per line: the last one is used.

Checks, in order (docs/ledger.md, "Checking a proof by hand"):
  1. SHA-256(row_encoding) == row_hash          (when the row is present)
  2. the RFC 9162 audit path from leaf SHA-256(0x00 || row_hash) gives the
     block's Merkle root
  3. the block hash recomputed from its header matches
  4. each later block header chains to the one before it
  5. the last block is the digest's block and its hash the digest's hash
Exit status 0 when the proof holds, 1 otherwise; one line of explanation.
"""
import hashlib
import json
import struct
import sys


def sha256(b):
    return hashlib.sha256(b).digest()


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        lines = [l for l in text.splitlines() if l.strip()]
        return json.loads(lines[-1])


def root_from_path(leaf_index, tree_size, leaf_hash, path):
    """RFC 9162, 2.1.3.2: root from an inclusion proof."""
    if leaf_index >= tree_size:
        raise ValueError("leaf index beyond tree size")
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for p in path:
        if sn == 0:
            raise ValueError("path longer than the tree allows")
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("path shorter than the tree requires")
    return r


def block_hash(h):
    data = (b"SCSMBLK1" + struct.pack(">q", h["block"]) + bytes.fromhex(h["prev_hash"])
            + bytes.fromhex(h["root"]) + struct.pack(">q", h["leaves"])
            + struct.pack(">q", h["time_us"]))
    return sha256(data)


def verify(proof, digest):
    row_hash = bytes.fromhex(proof["row_hash"])
    enc = proof.get("row_encoding")
    if enc:
        if sha256(bytes.fromhex(enc)) != row_hash:
            return False, "row encoding does not hash to row_hash"
    leaf = sha256(b"\x00" + row_hash)
    path = [bytes.fromhex(p) for p in proof["path"]]
    try:
        root = root_from_path(proof["leaf_index"], proof["tree_size"], leaf, path)
    except ValueError as e:
        return False, "audit path invalid: %s" % e
    blk = proof["block"]
    if blk["leaves"] != proof["tree_size"]:
        return False, "tree size differs from the block's leaf count"
    if root != bytes.fromhex(blk["root"]):
        return False, "audit path does not lead to the block's Merkle root"
    h = block_hash(blk)
    if h != bytes.fromhex(blk["hash"]):
        return False, "block %d hash does not match its header" % blk["block"]
    last = blk["block"]
    for nxt in proof.get("chain", []):
        if nxt["block"] != last + 1 or bytes.fromhex(nxt["prev_hash"]) != h:
            return False, "block %d does not chain to block %d" % (nxt["block"], last)
        h = block_hash(nxt)
        if h != bytes.fromhex(nxt["hash"]):
            return False, "block %d hash does not match its header" % nxt["block"]
        last = nxt["block"]
    if last != digest["block"]:
        return False, "proof ends at block %d, the digest is at block %d" % (last, digest["block"])
    if h != bytes.fromhex(digest["hash"]):
        return False, "block %d hash differs from the digest" % last
    return True, "row %s of %s is in block %d, which the digest (block %d) covers" % (
        proof["key"], proof["table"], blk["block"], digest["block"])


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[0])
        print("usage: verify_proof.py PROOF.json DIGEST.json")
        return 2
    try:
        ok, msg = verify(load(argv[1]), load(argv[2]))
    except (OSError, ValueError, KeyError, TypeError, struct.error) as e:
        ok, msg = False, "malformed proof or digest: %s" % e
    print(("OK: " if ok else "FAILED: ") + msg)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
