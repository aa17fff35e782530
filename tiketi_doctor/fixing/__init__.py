"""Plan, preview, apply and undo fixes: edits are data, one component applies them."""
