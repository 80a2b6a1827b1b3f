# Shared by pages and emails. Variables are written as { $name }; keep them as they are.

# A day written in full: "3 December 2026".
date = { $day } { $month } { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

# A saved means of payment, as its owner recognises it.
method-ending = { $brand } ending in { $last4 }
