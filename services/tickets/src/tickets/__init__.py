"""The service desk: tickets opened by staff and worked by technicians."""
