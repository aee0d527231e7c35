"""HTTP edge: error rendering and the OpenAPI-documented API object."""
