"""tinhuy: provincial party portals to a DuckDB warehouse."""
