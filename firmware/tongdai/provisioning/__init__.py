"""Desk-phone auto-provisioning: configuration files by MAC over HTTP, multicast PnP
answers, and check-sync pushes that make a phone fetch its file again."""
