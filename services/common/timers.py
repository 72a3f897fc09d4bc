"""A nameko timer whose interval the config may change (read at set-up)."""
from nameko.timer import Timer


class ConfiguredTimer(Timer):
    """`@timer(interval, config_key="LUOSHI_..._SECONDS")`: fires every `interval`
    seconds, or every config[config_key] seconds when that is set."""

    def __init__(self, interval, config_key=None, **kwargs):
        self.config_key = config_key
        super().__init__(interval, **kwargs)

    def setup(self):
        configured = self.container.config.get(self.config_key) if self.config_key else None
        if configured:
            self.interval = float(configured)
        super().setup()


timer = ConfiguredTimer.decorator
