"""Community events with calendars and iCal feeds."""
