"""The built-in GLSL library; registered as a shader directory by vjhost_builtins."""
