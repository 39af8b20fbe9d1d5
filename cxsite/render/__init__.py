"""From the Site to bytes: page families and output jobs, registered; templates; feeds and calendars."""
