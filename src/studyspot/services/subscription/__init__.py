"""The subscription service (port 3009): platform plans, tenants' subscriptions and entitlements."""
