"""One router per endpoint family; `api.app` mounts them under the API prefix."""
