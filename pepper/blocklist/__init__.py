"""Block-list sync: published lists for iOS Call Directory and offline clients."""
