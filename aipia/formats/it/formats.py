# Italian dates as Italian writes them: "3 dicembre 2026" (no leading zero; the month in lower case comes from our
# catalogue, see aipia/formats/__init__.py), times on a 24-hour clock, no weekday.
DATE_FORMAT = "j F Y"  # 3 dicembre 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 3 dicembre 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # dicembre 2026
MONTH_DAY_FORMAT = "j F"  # 3 dicembre
SHORT_DATE_FORMAT = "d/m/Y"  # 03/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 03/12/2026 14:30
FIRST_DAY_OF_WEEK = 1  # Monday
