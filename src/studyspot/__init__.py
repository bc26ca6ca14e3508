"""StudySpot: software for study libraries."""
