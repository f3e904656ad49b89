// placeholder, replaced by the fake host implementation
