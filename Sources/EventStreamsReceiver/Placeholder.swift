enum _PlaceholderEventStreamsReceiver {}
