"""CPC dashboards, risk assessment, work plan and internal control."""
