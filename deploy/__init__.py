"""Hosting RoPE Lab: N replicas of scripts/serve.sh behind HAProxy (see deploy/cluster.py and the README)."""
