/* Reads one iCalendar object on stdin and checks it with libical, as Evolution and other
 * libical programs would read it: the parser, then icalrestriction_check for the iTIP method
 * (RFC 5546: what REQUEST, CANCEL and PUBLISH must and must not carry). Every problem libical
 * finds becomes an X-LIC-ERROR property; they are printed, and the exit status is 1 if any. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

static int report(icalcomponent *component) {
    int errors = 0;
    for (icalproperty *p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY);
         p != NULL; p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
        printf("%s: %s\n", icalcomponent_kind_to_string(icalcomponent_isa(component)),
               icalproperty_get_xlicerror(p));
        errors++;
    }
    for (icalcomponent *c = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT);
         c != NULL; c = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT)) {
        errors += report(c);
    }
    return errors;
}

int main(void) {
    size_t size = 0, used = 0;
    char *text = NULL;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        if (used + got + 1 > size) {
            size = (used + got + 1) * 2;
            text = realloc(text, size);
        }
        for (size_t i = 0; i < got; i++) text[used++] = chunk[i];
    }
    if (text == NULL) { puts("empty input"); return 1; }
    text[used] = '\0';
    icalcomponent *calendar = icalparser_parse_string(text);
    if (calendar == NULL) { puts("not iCalendar"); return 1; }
    if (icalcomponent_isa(calendar) != ICAL_VCALENDAR_COMPONENT) { puts("no VCALENDAR"); return 1; }
    int valid = icalrestriction_check(calendar);
    int errors = report(calendar);
    icalcomponent_free(calendar);
    free(text);
    if (!valid && errors == 0) { puts("icalrestriction_check failed"); return 1; }
    return errors > 0;
}
